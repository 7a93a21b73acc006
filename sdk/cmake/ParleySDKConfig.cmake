# find_package(ParleySDK) for third-party plugin authors.
include(${CMAKE_CURRENT_LIST_DIR}/ParleySDKTargets.cmake)
set(PARLEY_SDK_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/plugin.map)
include(${CMAKE_CURRENT_LIST_DIR}/ParleyPlugin.cmake)
