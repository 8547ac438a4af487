/*
 * String and memory functions. gcc may also emit calls to memset, memcpy,
 * memmove and memcmp by itself (struct copies, zeroing), so these must exist
 * under exactly these names even in a freestanding image.
 *
 * memset and memcpy use the string instructions (REP STOSQ / REP MOVSQ for
 * eight bytes at a time, then the byte-sized forms for the tail; AMD APM
 * vol. 3, "STOS", "MOVS"): zeroing a fresh 2 MiB guest page is one
 * instruction repeated 262144 times rather than a loop of millions.
 */
#include "lib/string.h"

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t quads = n / 8, bytes = n % 8;
    uint64_t pattern = (uint8_t)c * 0x0101010101010101UL;

    /* Eight bytes at a time, then the tail. */
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(quads) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t quads = n / 8, bytes = n % 8;

    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(quads) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] - y[i];
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    for (; *haystack; haystack++) {
        if (!strncmp(haystack, needle, n))
            return (char *)haystack;
    }
    return n ? NULL : (char *)haystack;
}
