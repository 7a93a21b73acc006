# parley_add_plugin(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>])
# Builds a Parley plugin: a shared module that exports only its entry symbol,
# has no undefined symbols, and hides everything else.
function(parley_add_plugin target)
  cmake_parse_arguments(arg "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "parley_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE Parley::sdk)
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY})
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Sanitizer runtimes resolve at load time from the host, so --no-undefined
    # only holds in ordinary builds.
    get_property(sanitized DIRECTORY PROPERTY COMPILE_OPTIONS)
    if(NOT sanitized MATCHES "sanitize")
      target_link_options(${target} PRIVATE "LINKER:--no-undefined")
    endif()
    target_link_options(${target} PRIVATE "LINKER:--version-script=${PARLEY_SDK_VERSION_SCRIPT}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${PARLEY_SDK_VERSION_SCRIPT})
  endif()
endfunction()
