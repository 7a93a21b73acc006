# Overlay message decoding (kernel/overlay/overlay_messages.cpp): every frame a
# super node or client node reads from a peer passes through decode() first.
parley_fuzz_target(overlay_messages SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/overlay_messages_fuzz.cpp
                   LIBS parley_kernel)
