# Installs gradus so that a user's project needs only
#   find_package(gradus REQUIRED)
#   target_link_libraries(app gradus::gradus)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS gradus EXPORT gradusTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir include optim/include schedulers/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/gradus DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/gradus)
install(EXPORT gradusTargets NAMESPACE gradus:: DESTINATION ${config_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gradusConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gradusConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gradusConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gradusConfig.cmake ${PROJECT_BINARY_DIR}/gradusConfigVersion.cmake
  DESTINATION ${config_dir})
