/* Intrusive doubly linked lists (a circular list with a sentinel head). */
#ifndef MICA_LIB_LIST_H
#define MICA_LIB_LIST_H

#include "types.h"

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) \
    {                        \
        &(name), &(name)     \
    }

static inline void list_init(struct list_head *head)
{
    head->next = head;
    head->prev = head;
}

static inline bool list_empty(const struct list_head *head)
{
    return head->next == head;
}

/* Exactly one item on the list. */
static inline bool list_is_singular(const struct list_head *head)
{
    return !list_empty(head) && head->next->next == head;
}

static inline void list_insert_between(struct list_head *item, struct list_head *prev,
                                       struct list_head *next)
{
    next->prev = item;
    item->next = next;
    item->prev = prev;
    prev->next = item;
}

/* Is item linked into a list? (list_del and list_init leave it pointing
 * at itself.) */
static inline bool list_linked(const struct list_head *item)
{
    return item->next != item;
}

/* Add item right after head (stack order). */
static inline void list_add(struct list_head *item, struct list_head *head)
{
    list_insert_between(item, head, head->next);
}

/* Add item right before head (queue order). */
static inline void list_add_tail(struct list_head *item, struct list_head *head)
{
    list_insert_between(item, head->prev, head);
}

static inline void list_del(struct list_head *item)
{
    item->prev->next = item->next;
    item->next->prev = item->prev;
    item->next = item;
    item->prev = item;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)

#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define list_for_each_safe(pos, tmp, head)                           \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
         (pos) = (tmp), (tmp) = (pos)->next)

#endif
