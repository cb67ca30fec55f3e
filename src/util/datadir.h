/* Where drmfuzz finds its own data files (kernel fragment, descriptions). */
#ifndef DRMFUZZ_UTIL_DATADIR_H
#define DRMFUZZ_UTIL_DATADIR_H

/*
 * Path of @rel (e.g. "kernel/drmfuzz.config") in the source tree drmfuzz was
 * built from, or else in the installed data directory. Returns a new string
 * (caller frees), or NULL when the file exists in neither place.
 */
char *datadir_path(const char *rel);

#endif
