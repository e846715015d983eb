#include "CLoupeMPI.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if __has_include(<mpi.h>)
#include <mpi.h>
#include <limits.h>

// Started operations, by slot: MPI_Request is an opaque handle Swift cannot hold, so callers get
// the slot's index. A step has one operation per gradient bucket, far below the table's size.
#define LOUPE_MPI_SLOTS 4096
static MPI_Request requests[LOUPE_MPI_SLOTS];
static int slot_used[LOUPE_MPI_SLOTS];
static int next_slot = 0;

static int take_slot(long *request) {
    for (int tried = 0; tried < LOUPE_MPI_SLOTS; tried++) {
        int slot = (next_slot + tried) % LOUPE_MPI_SLOTS;
        if (!slot_used[slot]) {
            slot_used[slot] = 1;
            next_slot = (slot + 1) % LOUPE_MPI_SLOTS;
            *request = slot;
            return 0;
        }
    }
    return LOUPE_MPI_TOO_MANY_REQUESTS;
}

static int valid_slot(long request) { return request >= 0 && request < LOUPE_MPI_SLOTS && slot_used[request]; }

// MPI counts are ints: callers split larger buffers (the Swift side never passes more).
static int fits(long count) { return count >= 0 && count <= INT_MAX; }

int loupe_mpi_compiled(void) { return 1; }

int loupe_mpi_init(int *rank, int *size) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
        int rc = MPI_Init(NULL, NULL);
        if (rc != MPI_SUCCESS) return rc;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int loupe_mpi_finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    return finalized ? 0 : MPI_Finalize();
}

void loupe_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int loupe_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

void loupe_mpi_error_string(int code, char *buffer, int length) {
    if (length <= 0) return;
    if (code == LOUPE_MPI_TOO_MANY_REQUESTS) {
        snprintf(buffer, (size_t)length, "more than %d operations in flight", LOUPE_MPI_SLOTS);
        return;
    }
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, text, &n) != MPI_SUCCESS) n = snprintf(text, sizeof text, "MPI error %d", code);
    snprintf(buffer, (size_t)length, "%.*s", n, text);
}

int loupe_mpi_allreduce_f32(float *values, long count) {
    if (!fits(count)) return MPI_ERR_COUNT;
    return MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

int loupe_mpi_allreduce_f64(double *values, long count) {
    if (!fits(count)) return MPI_ERR_COUNT;
    return MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int loupe_mpi_iallreduce_f32(float *values, long count, long *request) {
    if (!fits(count)) return MPI_ERR_COUNT;
    int rc = take_slot(request);
    if (rc != 0) return rc;
    rc = MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &requests[*request]);
    if (rc != MPI_SUCCESS) slot_used[*request] = 0;
    return rc;
}

int loupe_mpi_iallgather_f32(const float *values, float *gathered, long count, long *request) {
    if (!fits(count)) return MPI_ERR_COUNT;
    int rc = take_slot(request);
    if (rc != 0) return rc;
    rc = MPI_Iallgather(values, (int)count, MPI_FLOAT, gathered, (int)count, MPI_FLOAT, MPI_COMM_WORLD, &requests[*request]);
    if (rc != MPI_SUCCESS) slot_used[*request] = 0;
    return rc;
}

int loupe_mpi_test(long request, int *done) {
    if (!valid_slot(request)) return MPI_ERR_REQUEST;
    int rc = MPI_Test(&requests[request], done, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS && *done) slot_used[request] = 0;
    return rc;
}

int loupe_mpi_wait(long request) {
    if (!valid_slot(request)) return MPI_ERR_REQUEST;
    int rc = MPI_Wait(&requests[request], MPI_STATUS_IGNORE);
    slot_used[request] = 0;
    return rc;
}

int loupe_mpi_allgather_bytes(const void *bytes, void *gathered, long count) {
    if (!fits(count)) return MPI_ERR_COUNT;
    return MPI_Allgather(bytes, (int)count, MPI_BYTE, gathered, (int)count, MPI_BYTE, MPI_COMM_WORLD);
}

int loupe_mpi_allgatherv_bytes(const void *bytes, long count, void *gathered, const int *counts, const int *offsets) {
    if (!fits(count)) return MPI_ERR_COUNT;
    return MPI_Allgatherv(bytes, (int)count, MPI_BYTE, gathered, counts, offsets, MPI_BYTE, MPI_COMM_WORLD);
}

int loupe_mpi_bcast_bytes(void *bytes, long count, int root) {
    if (!fits(count)) return MPI_ERR_COUNT;
    return MPI_Bcast(bytes, (int)count, MPI_BYTE, root, MPI_COMM_WORLD);
}

#else

int loupe_mpi_compiled(void) { return 0; }
int loupe_mpi_init(int *rank, int *size) { *rank = 0; *size = 1; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_finalize(void) { return 0; }
void loupe_mpi_abort(int code) { _exit(code); }
int loupe_mpi_barrier(void) { return LOUPE_MPI_UNAVAILABLE; }
void loupe_mpi_error_string(int code, char *buffer, int length) {
    if (length > 0) snprintf(buffer, (size_t)length, "this build of Loupe has no MPI (error %d): install libopenmpi-dev and rebuild", code);
}
int loupe_mpi_allreduce_f32(float *values, long count) { (void)values; (void)count; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_allreduce_f64(double *values, long count) { (void)values; (void)count; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_iallreduce_f32(float *values, long count, long *request) { (void)values; (void)count; *request = -1; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_iallgather_f32(const float *values, float *gathered, long count, long *request) {
    (void)values; (void)gathered; (void)count; *request = -1; return LOUPE_MPI_UNAVAILABLE;
}
int loupe_mpi_test(long request, int *done) { (void)request; *done = 1; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_wait(long request) { (void)request; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_allgather_bytes(const void *bytes, void *gathered, long count) { (void)bytes; (void)gathered; (void)count; return LOUPE_MPI_UNAVAILABLE; }
int loupe_mpi_allgatherv_bytes(const void *bytes, long count, void *gathered, const int *counts, const int *offsets) {
    (void)bytes; (void)count; (void)gathered; (void)counts; (void)offsets; return LOUPE_MPI_UNAVAILABLE;
}
int loupe_mpi_bcast_bytes(void *bytes, long count, int root) { (void)bytes; (void)count; (void)root; return LOUPE_MPI_UNAVAILABLE; }

#endif

// The message is kept in a fixed buffer: a signal handler may only write(2) what already exists.
static char termination_message[4096];
static volatile sig_atomic_t termination_length = 0;

void loupe_set_termination_message(const char *message) {
    termination_length = 0;
    size_t n = strlen(message);
    if (n >= sizeof termination_message) n = sizeof termination_message - 1;
    memcpy(termination_message, message, n);
    termination_length = (sig_atomic_t)n;
}

static void on_termination(int signal_number) {
    (void)signal_number;
    if (termination_length > 0) {
        ssize_t ignored = write(STDERR_FILENO, termination_message, (size_t)termination_length);
        (void)ignored;
    }
    _exit(143);
}

void loupe_install_termination_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_termination;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
}
