/* Stand-in for schtasks.exe under Wine (whose builtin cannot /Create /XML): logs and succeeds. */
#include <stdio.h>
int main(int argc, char **argv) {
    FILE *log = fopen("C:\\schtasks-calls.txt", "a");
    for (int i = 1; log && i < argc; i++) fprintf(log, "%s%s", argv[i], i + 1 < argc ? " " : "\n");
    if (log) fclose(log);
    return 0;
}
