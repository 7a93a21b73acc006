# The wxWidgets that UI extensions and their tests build against, as one
# target (CMake 3.25's FindwxWidgets has no imported target yet). Consumers
# check if(TARGET parley_wx): without wx, UI extensions are simply not built.
include_guard(GLOBAL)

find_package(wxWidgets 3.2 COMPONENTS core base)
if(wxWidgets_FOUND)
  add_library(parley_wx INTERFACE)
  # SYSTEM: wx headers do not pass -Wpedantic -Wshadow -Werror, and are not ours to fix.
  target_include_directories(parley_wx SYSTEM INTERFACE ${wxWidgets_INCLUDE_DIRS})
  target_compile_definitions(parley_wx INTERFACE ${wxWidgets_DEFINITIONS})
  target_compile_options(parley_wx INTERFACE ${wxWidgets_CXX_FLAGS})
  # wx-config's output carries empty items and -L/-pthread flags; CMake takes
  # the flags as link options but chokes on the empty items.
  set(parley_wx_libraries ${wxWidgets_LIBRARIES})
  list(FILTER parley_wx_libraries EXCLUDE REGEX "^$")
  target_link_libraries(parley_wx INTERFACE ${parley_wx_libraries})
  message(STATUS "UI extensions: wxWidgets ${wxWidgets_VERSION_STRING}")
else()
  message(STATUS "UI extensions: wxWidgets 3.2 not found (Debian: libwxgtk3.2-dev), not built")
endif()
