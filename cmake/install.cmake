# Install rules of the C++ client package: after
#   cmake --install build --prefix PREFIX
# another project finds it with find_package(trackd 1 CONFIG REQUIRED) (PREFIX on its
# CMAKE_PREFIX_PATH) and links trackd::client. Installed: the static libraries the client
# is made of, their public headers (include/trackd/{common,client}, and the generated
# trackd/v1 and grpc/health/v1 headers they include), and lib/cmake/trackd/. Nothing of
# the server: docs/clients.md.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TRACKD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/trackd)

# trackd_client and every library it links: each is static, so a consumer links them all.
install(TARGETS trackd_client trackd_common trackd_grpc_status trackd_grpc_proto trackd_proto
  EXPORT trackdTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  # Also as INTERFACE_INCLUDE_DIRECTORIES: a consumer's CMake before 3.23 skips file sets.
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
)
install(EXPORT trackdTargets
  NAMESPACE trackd::
  DESTINATION ${TRACKD_INSTALL_CMAKEDIR}
)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/trackdConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/trackdConfig.cmake
  INSTALL_DESTINATION ${TRACKD_INSTALL_CMAKEDIR}
)
# SameMajorVersion: find_package(trackd 1) accepts any 1.x, as any trackd.v1 server
# accepts a 1.x client.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/trackdConfigVersion.cmake
  VERSION ${TRACKD_PACKAGE_VERSION}
  COMPATIBILITY SameMajorVersion
)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/trackdConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/trackdConfigVersion.cmake
  DESTINATION ${TRACKD_INSTALL_CMAKEDIR}
)
