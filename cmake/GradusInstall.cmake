# Installs gradus so that a user's project needs only
#   find_package(gradus REQUIRED)
#   target_link_libraries(app gradus::gradus)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(gradus_installed_targets gradus)
if(GRADUS_HAS_DISTRIBUTED)
  list(APPEND gradus_installed_targets gradus_distributed)
endif()
install(TARGETS ${gradus_installed_targets} EXPORT gradusTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(gradus_header_dirs include optim/include schedulers/include)
if(GRADUS_HAS_DISTRIBUTED)
  list(APPEND gradus_header_dirs distributed/include)
endif()
foreach(dir IN LISTS gradus_header_dirs)
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
