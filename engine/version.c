/* The version, from project() in CMakeLists.txt. */
#include "compsim.h"

const char *cs_version(void) { return COMPSIM_VERSION; }
