# Presence record verification (kernel/directory/presence_record.cpp): any
# bytes a directory node returns. Seeds in corpus/presence_record/: a valid
# record (signed for 2026-01-01 with the key pinned in the target, whose
# private half was discarded), an offline one, another user's, a flipped
# signature bit, a signed body outside the bounds, truncated and garbage bytes.
parley_fuzz_target(presence_record SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/presence_record_fuzz.cpp
                   LIBS parley_kernel)
