/* A 16550A UART (COM1, port 0x3F8, IRQ 4) for the kernel console.
 *
 * Transmission is instant: each byte written to THR goes to the output
 * callback at once and the transmitter is always empty.  The registers
 * behave enough like a 16550A for Linux's 8250 driver to detect the FIFO
 * type, pass its loopback test and drive the TX-empty interrupt, so both
 * the polled console and interrupt-driven /dev/ttyS0 writes work.  Input
 * can be queued with ktstr_uart_push_input.  Not thread-safe by itself: the
 * owner serializes calls (backends/kvm/machine.c holds a lock). */
#ifndef KTSTR_KVM_UART_H
#define KTSTR_KVM_UART_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_UART_COM1_PORT 0x3f8
#define KTSTR_UART_COM1_IRQ 4

typedef void (*KtstrUartOutputFunc) (const guint8 *data, gsize len, gpointer user_data);
typedef void (*KtstrUartIrqFunc) (gboolean level, gpointer user_data);

typedef struct _KtstrUart KtstrUart;

KtstrUart *ktstr_uart_new (KtstrUartOutputFunc output, KtstrUartIrqFunc irq, gpointer user_data);
void ktstr_uart_free (KtstrUart *uart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrUart, ktstr_uart_free)

/* OFFSET is the register (0..7) relative to the base port. */
guint8 ktstr_uart_read (KtstrUart *uart, guint offset);
void ktstr_uart_write (KtstrUart *uart, guint offset, guint8 value);

/* Queues bytes for the guest to read (RBR). */
void ktstr_uart_push_input (KtstrUart *uart, const guint8 *data, gsize len);

G_END_DECLS

#endif
