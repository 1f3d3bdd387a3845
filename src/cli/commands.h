/* The ktstr subcommands; each returns the process exit status
 * (util/exit-status.h). */
#ifndef KTSTR_COMMANDS_H
#define KTSTR_COMMANDS_H

#include "util/exit-status.h"

int ktstr_cmd_test (int argc, char **argv);
int ktstr_cmd_list (int argc, char **argv);
int ktstr_cmd_show_host (int argc, char **argv);
int ktstr_cmd_show_thresholds (int argc, char **argv);
int ktstr_cmd_kernel (int argc, char **argv);
int ktstr_cmd_run (int argc, char **argv);
int ktstr_cmd_shell (int argc, char **argv);
int ktstr_cmd_verifier (int argc, char **argv);
int ktstr_cmd_locks (int argc, char **argv);
int ktstr_cmd_cleanup (int argc, char **argv);

#endif
