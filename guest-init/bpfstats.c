#include "config.h"

#include "guest-init/bpfstats.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest-init/json.h"
#include "guest-init/report.h"
#include "guest-init/util.h"

static long
bpf (int cmd, union bpf_attr *attr)
{
  return syscall (__NR_bpf, cmd, attr, sizeof *attr);
}

/* Calls EMIT for every loaded struct_ops program; returns how many, -1
 * when the bpf syscall failed. */
static int
for_each_struct_ops (KtstrCtrl *ctrl,
                     void (*emit) (KtstrCtrl *, unsigned, const char *,
                                   const struct bpf_prog_info *, const char *),
                     const char *when)
{
  unsigned id = 0;
  int n = 0;
  while (true)
    {
      union bpf_attr a;
      memset (&a, 0, sizeof a);
      a.start_id = id;
      if (bpf (BPF_PROG_GET_NEXT_ID, &a) != 0)
        {
          if (errno == ENOENT)
            return n;
          ktstr_report_log (ctrl, "init", "BPF program stats: BPF_PROG_GET_NEXT_ID: %s",
                            strerror (errno));
          return -1;
        }
      id = a.next_id;
      memset (&a, 0, sizeof a);
      a.prog_id = id;
      int fd = (int)bpf (BPF_PROG_GET_FD_BY_ID, &a);
      if (fd < 0)
        continue; /* unloaded meanwhile */
      struct bpf_prog_info info;
      memset (&info, 0, sizeof info);
      memset (&a, 0, sizeof a);
      a.info.bpf_fd = (unsigned)fd;
      a.info.info_len = sizeof info;
      a.info.info = (unsigned long)&info;
      long r = bpf (BPF_OBJ_GET_INFO_BY_FD, &a);
      close (fd);
      if (r != 0 || info.type != BPF_PROG_TYPE_STRUCT_OPS)
        continue;
      char name[sizeof info.name + 1];
      memcpy (name, info.name, sizeof info.name);
      name[sizeof info.name] = '\0';
      emit (ctrl, id, name, &info, when);
      n++;
    }
}

static void
emit_verifier (KtstrCtrl *ctrl, unsigned id, const char *name, const struct bpf_prog_info *info,
               const char *when)
{
  (void)when;
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "verifier");
  ktstr_json_str (&j, "prog", name);
  ktstr_json_u64 (&j, "id", id);
  ktstr_json_u64 (&j, "verified_insns", info->verified_insns);
  ktstr_json_end (&j);
  if (!j.failed)
    ktstr_ctrl_write (ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
}

static void
emit_progstat (KtstrCtrl *ctrl, unsigned id, const char *name, const struct bpf_prog_info *info,
               const char *when)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "progstat");
  ktstr_json_str (&j, "prog", name);
  ktstr_json_u64 (&j, "id", id);
  ktstr_json_str (&j, "when", when);
  ktstr_json_u64 (&j, "run_cnt", info->run_cnt);
  ktstr_json_u64 (&j, "run_time_ns", info->run_time_ns);
  ktstr_json_end (&j);
  if (!j.failed)
    ktstr_ctrl_write (ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
}

int
ktstr_bpfstats_report_struct_ops (KtstrCtrl *ctrl)
{
  return for_each_struct_ops (ctrl, emit_verifier, NULL);
}

int
ktstr_bpfstats_report_run_stats (KtstrCtrl *ctrl, const char *when)
{
  return for_each_struct_ops (ctrl, emit_progstat, when);
}

void
ktstr_bpfstats_enable (const char *proc_root)
{
  char path[256];
  if (ktstr_path (path, sizeof path, "%s/sys/kernel/bpf_stats_enabled", proc_root) != 0)
    return;
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  if (write (fd, "1", 1) != 1)
    { /* without it run_cnt stays 0: the summary shows that */
    }
  close (fd);
}
