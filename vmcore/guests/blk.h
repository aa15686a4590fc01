/* The block device and PLIC as guests see them (vmcore/dev_blk.c, dev_plic.c). */
#ifndef GUEST_BLK_H
#define GUEST_BLK_H

#include "lib.h"

#define BLK_WINDOW(h) (BLK_BASE + 64ul * (h))
#define BLK_SECTOR_REG(h) MMIO64(BLK_WINDOW(h) + 0x00)
#define BLK_ADDR_REG(h) MMIO64(BLK_WINDOW(h) + 0x08)
#define BLK_COUNT_REG(h) MMIO32(BLK_WINDOW(h) + 0x10)
#define BLK_COMMAND_REG(h) MMIO32(BLK_WINDOW(h) + 0x14)
#define BLK_STATUS_REG(h) MMIO32(BLK_WINDOW(h) + 0x18)
#define BLK_CAPACITY_REG(h) MMIO32(BLK_WINDOW(h) + 0x1c)
#define BLK_READ 1u
#define BLK_WRITE 2u
#define BLK_BUSY 1u
#define BLK_DONE 2u
#define BLK_SOURCE(h) (32u + (h))

#define PLIC_PRIORITY(s) MMIO32(PLIC_BASE + 4ul * (s))
#define PLIC_ENABLE(ctx, s) MMIO32(PLIC_BASE + 0x2000ul + 0x80ul * (ctx) + 4ul * ((s) / 32))
#define PLIC_THRESHOLD(ctx) MMIO32(PLIC_BASE + 0x200000ul + 0x1000ul * (ctx))
#define PLIC_CLAIM(ctx) MMIO32(PLIC_BASE + 0x200004ul + 0x1000ul * (ctx))

#endif
