# api/pure.cmake - vigil_api_pure: the pure HTTP-payload codecs (no CAF, no
# Beast, no sockets). Included from api/CMakeLists.txt; paths are relative to
# this file, so it also works when included from a scratch project.
#
# Needs, from the including project: find_package(Protobuf) (protobuf::libprotobuf
# and protobuf_generate_cpp), PkgConfig::SIMDJSON, SNAPPY_LIB, vigil_core,
# vigil_warnings.
set(VIGIL_API_DIR ${CMAKE_CURRENT_LIST_DIR})

# Generates remote.pb.{h,cc} into ${CMAKE_CURRENT_BINARY_DIR}.
protobuf_generate_cpp(VIGIL_REMOTE_PB_SRCS VIGIL_REMOTE_PB_HDRS ${VIGIL_API_DIR}/proto/remote.proto)
# Generated code is not ours to warn about.
set_source_files_properties(${VIGIL_REMOTE_PB_SRCS} PROPERTIES COMPILE_OPTIONS "-w")

add_library(vigil_api_pure STATIC
  ${VIGIL_API_DIR}/codec_util.cpp
  ${VIGIL_API_DIR}/remote_write.cpp
  ${VIGIL_API_DIR}/json_ingest.cpp
  ${VIGIL_API_DIR}/text_import.cpp
  ${VIGIL_API_DIR}/prom_json.cpp
  ${VIGIL_API_DIR}/query_params.cpp
  ${VIGIL_API_DIR}/request_params.cpp
  ${VIGIL_API_DIR}/endpoint_params.cpp
  ${VIGIL_API_DIR}/metadata.cpp
  ${VIGIL_API_DIR}/rate_limit.cpp
  ${VIGIL_API_DIR}/status_json.cpp
  ${VIGIL_API_DIR}/tsdb_status.cpp
  ${VIGIL_REMOTE_PB_SRCS}
  ${VIGIL_REMOTE_PB_HDRS})
# remote.pb.h is private to remote_write.cpp: no public header includes it.
target_include_directories(vigil_api_pure PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
# match[] selectors are parsed by the PromQL parser (vigil_query).
target_link_libraries(vigil_api_pure
  PUBLIC vigil_core vigil_query
  PRIVATE protobuf::libprotobuf ${SNAPPY_LIB} PkgConfig::SIMDJSON vigil_warnings)
