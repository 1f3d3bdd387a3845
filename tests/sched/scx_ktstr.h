/* Shared by scx_ktstr.bpf.c and its loader: the run-time knobs the
 * loader writes and the exit record the BPF side fills in ops.exit, each
 * the single value of a BPF array map (read and written through the bpf
 * syscall, which works with every libbpf; see scx_ktstr.c). */
#ifndef SCX_KTSTR_H
#define SCX_KTSTR_H

struct ktstr_knobs
{
  unsigned char stall; /* dispatch stops moving tasks */
  unsigned char crash; /* scx_bpf_error() from dispatch and enqueue */
  unsigned long long crash_after_s;
};

struct ktstr_uei
{
  int kind; /* enum scx_exit_kind; 0 while running */
  long long exit_code;
  char reason[128];
  char msg[1024];
};

#endif
