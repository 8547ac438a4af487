/*
 * Debug keys: single keys typed on the serial console while Mica runs
 * (read by CPU 0 from its scheduler loop):
 *   a  audit every domain's p2m     p  dump every domain's p2m
 *   m  memory summary               x  XSM statistics (FLASK: AVC hits/misses)
 *   h  list the keys
 * The p2m's keys and options live with the p2m (mm/p2m/p2m_keys.c).
 */
#ifndef MICA_DEBUG_KEYS_H
#define MICA_DEBUG_KEYS_H

void debug_keys_poll(void);

#endif
