# Run as: cmake -D TEST_EXE=... -D TARGET=... -D OUT=... -P BoostTestList.cmake
# Lists a Boost.Test binary's top-level suites (--list_content prints to stderr,
# four spaces per level, '*' marks enabled units) and writes one add_test() per
# enabled suite, so `ctest -R store.xor_chunk` runs one suite.
execute_process(COMMAND ${TEST_EXE} --list_content
                ERROR_VARIABLE listing OUTPUT_VARIABLE listing_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_EXE} --list_content failed: ${rc}")
endif()
string(REPLACE "\n" ";" lines "${listing}${listing_out}")
set(content "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([A-Za-z0-9_]+)\\*$")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND content "add_test(\"${TARGET}.${suite}\" \"${TEST_EXE}\" \"--run_test=${suite}\" \"--color_output=no\")\n")
    string(APPEND content "set_tests_properties(\"${TARGET}.${suite}\" PROPERTIES TIMEOUT 300 LABELS unit)\n")
  endif()
endforeach()
file(WRITE "${OUT}" "${content}")
