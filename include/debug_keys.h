/*
 * Debug keys: single keys typed on the serial console while its input goes
 * to Mica (console_input.h; CTRL-a three times switches):
 *   a  audit every domain's p2m     p  dump every domain's p2m
 *   m  memory summary               x  XSM statistics (FLASK: AVC hits/misses)
 *   h  list the keys
 * The p2m's keys and options live with the p2m (mm/p2m/p2m_keys.c).
 */
#ifndef MICA_DEBUG_KEYS_H
#define MICA_DEBUG_KEYS_H

void debug_key_handle(char key);

#endif
