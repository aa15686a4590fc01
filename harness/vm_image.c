/*
 * Reads a guest ELF whole, growing the buffer by doubling: an image is a few
 * hundred KiB at most, and vm_create checks and copies it at once.
 */
#include "harness/vm_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vm_image_read(const char *path, struct vm_image *image, char *why, size_t why_size)
{
	FILE *file = fopen(path, "rb");
	size_t capacity = 0, got;

	image->bytes = NULL;
	image->size = 0;
	if (!file) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	do {
		if (image->size == capacity) {
			uint8_t *grown;

			capacity = capacity ? capacity * 2 : 65536;
			grown = realloc(image->bytes, capacity);
			if (!grown) {
				snprintf(why, why_size, "out of memory");
				goto fail;
			}
			image->bytes = grown;
		}
		got = fread(image->bytes + image->size, 1, capacity - image->size, file);
		image->size += got;
	} while (got > 0);
	if (ferror(file)) {
		/* A directory opens but cannot be read: say "Is a directory". */
		snprintf(why, why_size, "%s", strerror(errno));
		goto fail;
	}
	fclose(file);
	return 0;
fail:
	fclose(file);
	vm_image_free(image);
	return -1;
}

void vm_image_free(struct vm_image *image)
{
	free(image->bytes);
	image->bytes = NULL;
	image->size = 0;
}
