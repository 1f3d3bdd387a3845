/* The exit statuses of ktstr and ktstr-stats, one set for both programs so
 * that a CI script reads them the same way everywhere:
 *
 *   0    success: every test passed (or was skipped), no regression
 *   1    a test failed, or `compare` found a regression
 *   2    usage or data error, or the harness could not run or record a test
 *   130  interrupted (SIGINT or SIGTERM): what ran is recorded, the rest
 *        did not run (128 + SIGINT, as a shell reports it) */
#ifndef KTSTR_EXIT_STATUS_H
#define KTSTR_EXIT_STATUS_H

#define KTSTR_EXIT_OK 0
#define KTSTR_EXIT_FAILED 1
#define KTSTR_EXIT_USAGE 2
#define KTSTR_EXIT_INTERRUPTED 130

#endif
