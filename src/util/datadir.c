/* Where drmfuzz finds its own data files. */
#include "datadir.h"

#include <stdlib.h>

#include "fileio.h"

char *datadir_path(const char *rel)
{
	static const char *const roots[] = { DRMFUZZ_SOURCE_ROOT,
					     DRMFUZZ_DATA_DIR };

	for (unsigned i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char *p = path_join(roots[i], rel);

		if (p && path_exists(p))
			return p;
		free(p);
	}
	return NULL;
}
