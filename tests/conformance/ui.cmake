# Included by tests/conformance/CMakeLists.txt after it has made
# parley-conformance-ui and one conformance.ui.<plugin> test per UI plugin.
# The UI suite drives real wx windows, so it links wxWidgets and every run gets
# its own X server from xvfb-run (Debian package xvfb): no display is needed.
include(${PROJECT_SOURCE_DIR}/plugins/ui/wx.cmake)
if(NOT TARGET parley-conformance-ui OR NOT TARGET parley_wx)
  return()  # without wx the suite builds as a stub and no UI plugin exists to test
endif()

target_link_libraries(parley-conformance-ui PRIVATE parley_wx)

find_program(PARLEY_XVFB_RUN xvfb-run)
if(PARLEY_XVFB_RUN)
  # 24-bit screen: xvfb-run's default 8-bit one renders GTK in a palette.
  set(ui_launcher ${PARLEY_XVFB_RUN} -a -s "-screen 0 1280x1024x24")
  # add_test() already ran; a launcher on the target still wraps its tests,
  # because test commands are resolved at generate time. CMake 3.29 has
  # TEST_LAUNCHER for this; before it, CROSSCOMPILING_EMULATOR does the same
  # (CMP0158, new in 3.28, limits that to cross builds only when set to NEW).
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.29)
    set_property(TARGET parley-conformance-ui PROPERTY TEST_LAUNCHER ${ui_launcher})
  else()
    set_property(TARGET parley-conformance-ui PROPERTY CROSSCOMPILING_EMULATOR ${ui_launcher})
  endif()
else()
  message(STATUS "UI conformance: xvfb-run not found (Debian: xvfb); the suite needs $DISPLAY")
endif()

get_property(ui_plugins GLOBAL PROPERTY PARLEY_PLUGINS_ui)
foreach(plugin ${ui_plugins})
  # NO_AT_BRIDGE: no accessibility bus on a bare X server, and GTK would warn about it.
  # RESOURCE_LOCK: two `xvfb-run -a` starting at once can pick the same display
  # number and one fails; ctest -j2 runs tests sharing the lock one at a time.
  set_tests_properties(conformance.ui.${plugin} PROPERTIES
    LABELS "conformance;ui"
    RESOURCE_LOCK xvfb
    ENVIRONMENT "NO_AT_BRIDGE=1;GDK_BACKEND=x11")
endforeach()
