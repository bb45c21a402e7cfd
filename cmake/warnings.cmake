# One warning set for every vigil target; -Werror when VIGIL_WERROR is on (CI).
add_library(vigil_warnings INTERFACE)
target_compile_options(vigil_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(VIGIL_WERROR)
  target_compile_options(vigil_warnings INTERFACE -Werror)
endif()
