/*
 * The guest image a VM run loads. vmcore opens no file (vmcore/host.h): the
 * command reads the ELF whole and hands vm_create its bytes.
 */
#ifndef LOCKLAB_VM_IMAGE_H
#define LOCKLAB_VM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct vm_image {
	uint8_t *bytes;
	size_t size;
};

/* 0 with the whole file at path in *image, or -1 with why (the system's reason:
 * "No such file or directory", "Is a directory"). */
int vm_image_read(const char *path, struct vm_image *image, char *why, size_t why_size);
void vm_image_free(struct vm_image *image);

#endif
