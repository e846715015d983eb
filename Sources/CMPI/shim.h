// Open MPI's C API when pkg-config found it (Debian: libopenmpi-dev puts mpi.h under
// /usr/lib/x86_64-linux-gnu/openmpi/include, which only pkg-config's flags add to the search
// path); nothing otherwise, so a machine without MPI still builds. No `link` line: pkg-config's
// `-lmpi` links it where it exists. CLoupeMPI is the only code that reads this.
#if __has_include(<mpi.h>)
#include <mpi.h>
#endif
