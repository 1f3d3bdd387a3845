/* placeholder replaced by the CLI commit */
int main (void) { return 0; }
