/* Debug keys typed on the serial console: one table of key, what it does,
 * and its handler (see debug_keys.h). */
#include "debug_keys.h"
#include "event.h"
#include "mm.h"
#include "p2m/p2m_debug.h"
#include "lib/vsnprintf.h"
#include "printk.h"
#include "xsm.h"

static void print_xsm_stats(void)
{
    xsm->print_stats();
}

static void print_help(void);

static const struct debug_key {
    char key;
    const char *what;
    void (*handler)(void);
} debug_keys[] = {
    { 'a', "audit p2ms", p2m_key_audit_all },
    { 'p', "dump p2ms", p2m_key_dump_all },
    { 'm', "memory", page_alloc_print_summary },
    { 'x', "XSM statistics", print_xsm_stats },
    { 'e', "event channels, VIRQ_DEBUG", evtchn_key_dump },
    { 'h', "help", print_help },
};

static void print_help(void)
{
    char line[160];
    size_t len = (size_t)snprintf(line, sizeof(line), "debug keys:");

    for (unsigned int i = 0; i < ARRAY_SIZE(debug_keys) && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %c %s%s", debug_keys[i].key,
                                debug_keys[i].what, i + 1 < ARRAY_SIZE(debug_keys) ? "," : "");
    printk("%s\n", line);
    printk("CTRL-a three times: serial input to the domains (and back)\n");
}

void debug_key_handle(char key)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(debug_keys); i++) {
        if (debug_keys[i].key == key)
            debug_keys[i].handler();
    }
}
