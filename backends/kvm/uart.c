#include "config.h"

#include "backends/kvm/uart.h"

#define REG_DATA 0 /* RBR / THR, DLL when DLAB */
#define REG_IER 1  /* DLM when DLAB */
#define REG_IIR 2  /* FCR on write */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE_FIFO 0x01
#define FCR_CLEAR_RCVR 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define RX_MAX 4096

struct _KtstrUart
{
  guint8 ier, lcr, mcr, fcr, scr, dll, dlm;
  gboolean is_thr_pending; /* a TX-empty interrupt is waiting to be read from IIR */
  gboolean irq_level;
  GByteArray *rx;
  KtstrUartOutputFunc output;
  KtstrUartIrqFunc irq;
  gpointer user_data;
};

KtstrUart *
ktstr_uart_new (KtstrUartOutputFunc output, KtstrUartIrqFunc irq, gpointer user_data)
{
  KtstrUart *u = g_new0 (KtstrUart, 1);
  u->rx = g_byte_array_new ();
  u->output = output;
  u->irq = irq;
  u->user_data = user_data;
  u->dll = 0x0c; /* 9600 baud, as after a reset */
  return u;
}

void
ktstr_uart_free (KtstrUart *u)
{
  if (u == NULL)
    return;
  g_byte_array_unref (u->rx);
  g_free (u);
}

/* The highest-priority pending interrupt, as IIR reports it. */
static guint8
pending_iir (const KtstrUart *u)
{
  if ((u->ier & IER_RDI) && u->rx->len > 0)
    return IIR_RDI;
  if ((u->ier & IER_THRI) && u->is_thr_pending)
    return IIR_THRI;
  return IIR_NO_INT;
}

static void
update_irq (KtstrUart *u)
{
  /* OUT2 gates the interrupt line on PC serial ports. */
  gboolean level = pending_iir (u) != IIR_NO_INT && (u->mcr & MCR_OUT2);
  if (level != u->irq_level)
    {
      u->irq_level = level;
      if (u->irq != NULL)
        u->irq (level, u->user_data);
    }
}

static guint8
read_msr (const KtstrUart *u)
{
  if (u->mcr & MCR_LOOP)
    {
      /* Loopback: the modem outputs come back as inputs. */
      guint8 v = 0;
      if (u->mcr & MCR_RTS)
        v |= MSR_CTS;
      if (u->mcr & MCR_DTR)
        v |= MSR_DSR;
      if (u->mcr & MCR_OUT1)
        v |= MSR_RI;
      if (u->mcr & MCR_OUT2)
        v |= MSR_DCD;
      return v;
    }
  return MSR_DCD | MSR_DSR | MSR_CTS;
}

guint8
ktstr_uart_read (KtstrUart *u, guint offset)
{
  guint8 v = 0xff;
  switch (offset)
    {
    case REG_DATA:
      if (u->lcr & LCR_DLAB)
        return u->dll;
      v = 0;
      if (u->rx->len > 0)
        {
          v = u->rx->data[0];
          g_byte_array_remove_index (u->rx, 0);
        }
      break;
    case REG_IER:
      return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case REG_IIR:
      v = pending_iir (u);
      if (v == IIR_THRI)
        u->is_thr_pending = FALSE; /* reading IIR acknowledges TX-empty */
      if (u->fcr & FCR_ENABLE_FIFO)
        v |= IIR_FIFO_ENABLED;
      break;
    case REG_LCR:
      return u->lcr;
    case REG_MCR:
      return u->mcr;
    case REG_LSR:
      v = LSR_THRE | LSR_TEMT;
      if (u->rx->len > 0)
        v |= LSR_DR;
      return v;
    case REG_MSR:
      return read_msr (u);
    case REG_SCR:
      return u->scr;
    default:
      return 0xff;
    }
  update_irq (u);
  return v;
}

void
ktstr_uart_write (KtstrUart *u, guint offset, guint8 value)
{
  switch (offset)
    {
    case REG_DATA:
      if (u->lcr & LCR_DLAB)
        {
          u->dll = value;
          return;
        }
      if (u->mcr & MCR_LOOP)
        {
          if (u->rx->len < RX_MAX)
            g_byte_array_append (u->rx, &value, 1);
        }
      else if (u->output != NULL)
        u->output (&value, 1, u->user_data);
      u->is_thr_pending = TRUE; /* sent at once: THR is empty again */
      break;
    case REG_IER:
      if (u->lcr & LCR_DLAB)
        {
          u->dlm = value;
          return;
        }
      /* Enabling the TX-empty interrupt with THR empty raises it at once,
       * as on real hardware; Linux relies on that to start transmitting. */
      if ((value & IER_THRI) && !(u->ier & IER_THRI))
        u->is_thr_pending = TRUE;
      u->ier = value & 0x0f;
      break;
    case REG_IIR:
      u->fcr = value & 0xc9; /* keep enable, DMA mode and trigger level */
      if (value & FCR_CLEAR_RCVR)
        g_byte_array_set_size (u->rx, 0);
      break;
    case REG_LCR:
      u->lcr = value;
      return;
    case REG_MCR:
      u->mcr = value & 0x1f;
      break;
    case REG_SCR:
      u->scr = value;
      return;
    default:
      return;
    }
  update_irq (u);
}

void
ktstr_uart_push_input (KtstrUart *u, const guint8 *data, gsize len)
{
  gsize room = RX_MAX - MIN (u->rx->len, RX_MAX);
  g_byte_array_append (u->rx, data, MIN (len, room));
  update_irq (u);
}
