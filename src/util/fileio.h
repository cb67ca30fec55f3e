/* Files: whole-file reads, crash-safe writes, directories, paths. */
#ifndef DRMFUZZ_UTIL_FILEIO_H
#define DRMFUZZ_UTIL_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Read a whole file. On success *data (caller frees) is NUL-terminated and
 * *len excludes the NUL. Refuses files larger than @max bytes (-EFBIG);
 * @max == 0 means no limit. Returns 0 or -errno.
 */
int file_read_all(const char *path, size_t max, char **data, size_t *len);

/*
 * Replace @path with @data so that a crash at any moment leaves either the
 * old or the new content: write a temporary file beside it, fsync, rename,
 * fsync the directory. Returns 0 or -errno.
 */
int file_write_atomic(const char *path, const void *data, size_t len);

/* write() all of @data, retrying on EINTR and short writes. 0 or -errno. */
int fd_write_all(int fd, const void *data, size_t len);

/* mkdir -p. 0 (also when it exists as a directory) or -errno. */
int dir_create(const char *path, mode_t mode);

/* rm -rf, refusing "/" and "". 0 or -errno. */
int dir_remove_tree(const char *path);

bool path_exists(const char *path);
bool path_is_dir(const char *path);
bool path_is_executable(const char *path);

/* "dir/name" in a new string (caller frees), NULL on ENOMEM. */
char *path_join(const char *dir, const char *name);

/*
 * Find @prog in $PATH (or use it as given when it contains a '/').
 * Returns a new string (caller frees) or NULL when not found.
 */
char *path_which(const char *prog);

/* $XDG_CACHE_HOME/drmfuzz or ~/.cache/drmfuzz, in a new string. */
char *path_cache_dir(void);

#endif
