/*
 * A 16550-compatible UART, output only: THR bytes go to the host's console
 * (host.h console_write, stream VM_CONSOLE_GUEST) a line at a time, so harts'
 * lines do not interleave mid-line, under the "uart" lock.
 */
#include "vmcore/machine.h"

enum { UART_THR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
       UART_MSR = 6, UART_SCR = 7 };
#define UART_LCR_DLAB 0x80
#define UART_LSR_IDLE 0x60 /* THR empty, transmitter empty: output never waits */

int dev_uart_init(struct vm *vm)
{
	vm->uart.lock = vm->host.ops->lock_create(vm->host.opaque, "uart", false,
						  vm_slot_count(vm->workers_count));
	return vm->uart.lock ? 0 : -1;
}

static void uart_flush(struct vm *vm, struct dev_uart *uart)
{
	if (uart->line_length) {
		vm->host.ops->console_write(vm->host.opaque, VM_CONSOLE_GUEST, uart->line,
					    uart->line_length);
		uart->line_length = 0;
	}
}

void dev_uart_fini(struct vm *vm)
{
	if (vm->uart.lock) {
		uart_flush(vm, &vm->uart);
		vm->host.ops->lock_destroy(vm->host.opaque, vm->uart.lock);
	}
}

int dev_uart_access(struct hart *h, uint64_t offset, unsigned size, uint64_t *value, bool write)
{
	struct vm *vm = h->vm;
	struct dev_uart *uart = &vm->uart;
	uint8_t byte = (uint8_t)*value;
	bool dlab;

	if (size != 1 || offset > UART_SCR)
		return -1;
	vm->host.ops->lock(vm->host.opaque, uart->lock, h->slot);
	dlab = uart->lcr & UART_LCR_DLAB;
	if (write) {
		switch (offset) {
		case UART_THR:
			if (dlab) {
				uart->dll = byte;
			} else {
				uart->line[uart->line_length++] = (char)byte;
				if (byte == '\n' || uart->line_length == sizeof uart->line)
					uart_flush(vm, uart);
			}
			break;
		case UART_IER:
			if (dlab)
				uart->dlm = byte;
			else
				uart->ier = byte & 0x0f;
			break;
		case UART_LCR: uart->lcr = byte; break;
		case UART_MCR: uart->mcr = byte; break;
		case UART_SCR: uart->scr = byte; break;
		default: break; /* FCR, LSR, MSR: accepted, no effect */
		}
	} else {
		switch (offset) {
		case UART_THR: *value = dlab ? uart->dll : 0; break; /* no input */
		case UART_IER: *value = dlab ? uart->dlm : uart->ier; break;
		case UART_IIR: *value = 0x01; break; /* no interrupt pending */
		case UART_LCR: *value = uart->lcr; break;
		case UART_MCR: *value = uart->mcr; break;
		case UART_LSR: *value = UART_LSR_IDLE; break;
		case UART_MSR: *value = 0; break;
		default: *value = uart->scr; break;
		}
	}
	vm->host.ops->unlock(vm->host.opaque, uart->lock, h->slot);
	return 0;
}
