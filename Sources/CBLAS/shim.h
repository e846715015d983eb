#include <cblas.h>
// OpenBLAS extensions used to pin the BLAS thread count to the engine's.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
