#ifndef CLOUPE_MPI_H
#define CLOUPE_MPI_H

// The handful of MPI calls data-parallel training makes, behind plain C types: MPI's own types
// (MPI_Comm, MPI_Request) are macros and handles Swift cannot import. Built against Open MPI
// when its headers exist; otherwise every call returns LOUPE_MPI_UNAVAILABLE, so a build without
// MPI still builds and trains on one process.
//
// Every function returns 0 on success, else an MPI error code (or LOUPE_MPI_UNAVAILABLE):
// MPI_COMM_WORLD's error handler is set to return errors rather than abort, so the caller can
// say which collective failed.

#define LOUPE_MPI_UNAVAILABLE (-1000)
#define LOUPE_MPI_TOO_MANY_REQUESTS (-1001)

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this build has MPI (its headers were found at build time), else 0.
int loupe_mpi_compiled(void);
/// MPI_Init, then this process's rank and the world's size.
int loupe_mpi_init(int *rank, int *size);
int loupe_mpi_finalize(void);
/// Ends every rank of the job with `code` (MPI_Abort on MPI_COMM_WORLD).
void loupe_mpi_abort(int code);
int loupe_mpi_barrier(void);
/// The library's own description of an error code, into `buffer` (NUL-terminated).
void loupe_mpi_error_string(int code, char *buffer, int length);

/// In-place sums over every rank.
int loupe_mpi_allreduce_f32(float *values, long count);
int loupe_mpi_allreduce_f64(double *values, long count);
/// Starts an in-place sum of `values` over every rank; `request` identifies it to test/wait.
int loupe_mpi_iallreduce_f32(float *values, long count, long *request);
/// Starts gathering every rank's `count` floats into `gathered` (size × count, in rank order).
int loupe_mpi_iallgather_f32(const float *values, float *gathered, long count, long *request);
/// Whether a started operation has finished (`done` 1 or 0); progresses it either way.
int loupe_mpi_test(long request, int *done);
/// Waits for a started operation to finish.
int loupe_mpi_wait(long request);

/// Every rank's `count` bytes into `gathered` (size × count, in rank order).
int loupe_mpi_allgather_bytes(const void *bytes, void *gathered, long count);
/// Every rank's bytes, of the lengths `counts` (one per rank) into `gathered` at `offsets`.
int loupe_mpi_allgatherv_bytes(const void *bytes, long count, void *gathered, const int *counts, const int *offsets);
/// Rank `root`'s `count` bytes into every rank's `bytes`.
int loupe_mpi_bcast_bytes(void *bytes, long count, int root);

/// What this process prints if it is told to stop (SIGTERM, as mpirun does to the surviving ranks
/// when one dies) before it ends: the last checkpoint and how to resume. Copied; async-signal-safe
/// to print.
void loupe_set_termination_message(const char *message);
/// Installs the SIGTERM handler that prints the termination message and exits with 143.
void loupe_install_termination_handler(void);

#ifdef __cplusplus
}
#endif

#endif
