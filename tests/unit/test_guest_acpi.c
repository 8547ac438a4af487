/*
 * Host unit tests of a guest's ACPI tables (arch/x86/guest_acpi.c).
 *
 * arch_guest_acpi_build() is a pure function of a buffer, the guest-physical
 * address the guest will see it at, and the vCPU count. The tables are read
 * back here the way an OS reads them, by the byte offsets of the ACPI
 * Specification (6.5, §5.2), not through Mica's structures: the RSDP's two
 * checksums lead to the XSDT, the XSDT to the FADT and the MADT, the FADT to
 * the DSDT; every table's checksum and length, every pointer inside the
 * range, no two tables overlapping, the MADT's entries for each vCPU count.
 */
#include <string.h>

#include "arch.h"
#include "domain.h" /* MAX_VCPUS */
#include "public/errno.h"
#include "unit.h"

/* Where the tables are placed in most tests: a page below 16 MiB. */
#define GPA 0xFFF000ULL

static uint8_t buf[2 * ARCH_GUEST_ACPI_SIZE];

static uint8_t rd8(const uint8_t *p, size_t off)
{
    return p[off];
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    while (len--)
        s += *p++;
    return s;
}

/* Build into buf for gpa; the test fails if that does. */
static void build(uint64_t gpa, unsigned int nr_vcpus)
{
    memset(buf, 0xA5, sizeof(buf));
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, gpa, nr_vcpus), 0);
}

/* The table a guest-physical pointer names: NULL unless a whole header lies
 * inside the range, and then its length must fit too. */
static const uint8_t *table_at(uint64_t gpa, uint64_t ptr)
{
    if (ptr < gpa || ptr - gpa > ARCH_GUEST_ACPI_SIZE - 36)
        return NULL;
    const uint8_t *t = buf + (ptr - gpa);
    uint32_t len = rd32(t, 4);
    if (len < 36 || ptr - gpa + len > ARCH_GUEST_ACPI_SIZE)
        return NULL;
    return t;
}

/* A description table's header checks: signature, checksum, revision. */
static void check_table(const uint8_t *t, const char *sig, uint8_t revision)
{
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(!memcmp(t, sig, 4));
    CHECK_EQ(sum(t, rd32(t, 4)), 0);
    CHECK_EQ(rd8(t, 8), revision);
    CHECK(!memcmp(t + 10, "MICA  ", 6)); /* OEM ID */
    CHECK(!memcmp(t + 16, "MICA", 4));   /* OEM table ID: MICA + the signature */
    CHECK(!memcmp(t + 20, sig, 4));
}

/* The XSDT's entry whose table has signature sig (exactly one must). */
static const uint8_t *find_table(uint64_t gpa, const char *sig)
{
    const uint8_t *xsdt = table_at(gpa, rd64(buf, 24));
    const uint8_t *found = NULL;
    unsigned int count = 0;

    if (!xsdt)
        return NULL;
    for (uint32_t off = 36; off + 8 <= rd32(xsdt, 4); off += 8) {
        const uint8_t *t = table_at(gpa, rd64(xsdt, off));
        CHECK(t != NULL);
        if (t && !memcmp(t, sig, 4)) {
            found = t;
            count++;
        }
    }
    CHECK_EQ(count, 1);
    return found;
}

static void test_rsdp(void)
{
    build(GPA, 1);
    CHECK(!memcmp(buf, "RSD PTR ", 8));
    CHECK_EQ(sum(buf, 20), 0);   /* the ACPI 1.0 checksum */
    CHECK_EQ(rd8(buf, 15), 2);   /* revision 2: XSDT and length exist */
    CHECK_EQ(rd32(buf, 20), 36); /* length */
    CHECK_EQ(sum(buf, 36), 0);   /* the extended checksum */
    CHECK(!memcmp(buf + 9, "MICA  ", 6));
    CHECK_EQ(rd32(buf, 16), 0); /* no RSDT */
    CHECK(table_at(GPA, rd64(buf, 24)) != NULL);
}

static void test_xsdt(void)
{
    build(GPA, 1);
    const uint8_t *xsdt = table_at(GPA, rd64(buf, 24));
    check_table(xsdt, "XSDT", 1);
    if (!xsdt)
        return;
    CHECK_EQ(rd32(xsdt, 4), 36 + 2 * 8); /* the FADT and the MADT; the DSDT is the FADT's */
    CHECK(find_table(GPA, "FACP") != NULL);
    CHECK(find_table(GPA, "APIC") != NULL);
}

static void test_fadt_and_dsdt(void)
{
    build(GPA, 2);
    const uint8_t *fadt = find_table(GPA, "FACP");
    check_table(fadt, "FACP", 5);
    if (!fadt)
        return;
    CHECK_EQ(rd32(fadt, 4), 268);                                  /* revision 5's length */
    CHECK(rd32(fadt, 112) & (1u << 20));                           /* HW_REDUCED_ACPI */
    CHECK_EQ(rd32(fadt, 112), (1u << 20) | (1u << 4) | (1u << 5)); /* + no fixed buttons */
    CHECK_EQ(rd8(fadt, 109) | (rd8(fadt, 110) << 8), (1u << 2) | (1u << 5)); /* no VGA, no RTC */
    CHECK_EQ(rd32(fadt, 36), 0);               /* FIRMWARE_CTRL: no FACS */
    CHECK_EQ(rd64(fadt, 132), 0);              /* X_FIRMWARE_CTRL */
    CHECK_EQ(rd32(fadt, 76), 0);               /* no PM timer */
    CHECK_EQ(rd32(fadt, 56), 0);               /* no PM1a event block */
    CHECK_EQ(rd32(fadt, 40), rd64(fadt, 140)); /* DSDT == X_DSDT */
    /* SLEEP_CONTROL_REG (offset 244) and SLEEP_STATUS_REG (256): one byte
     * each in System I/O space, at ports 0xB004 and 0xB005. */
    CHECK_EQ(rd8(fadt, 244), 1);
    CHECK_EQ(rd8(fadt, 245), 8);
    CHECK_EQ(rd8(fadt, 246), 0);
    CHECK_EQ(rd8(fadt, 247), 1);
    CHECK_EQ(rd64(fadt, 248), 0xB004);
    CHECK_EQ(rd8(fadt, 256), 1);
    CHECK_EQ(rd8(fadt, 257), 8);
    CHECK_EQ(rd64(fadt, 260), 0xB005);

    const uint8_t *dsdt = table_at(GPA, rd64(fadt, 140));
    check_table(dsdt, "DSDT", 2);
    if (!dsdt)
        return;
    /* One term: Name (_S5, Package (2) { 5, 5 }), S5's SLP_TYP. */
    static const uint8_t s5[] = { 0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12,
                                  0x06, 0x02, 0x0A, 0x05, 0x0A, 0x05 };
    CHECK_EQ(rd32(dsdt, 4), 36 + sizeof(s5));
    for (unsigned int i = 0; i < sizeof(s5); i++)
        CHECK_EQ(rd8(dsdt, 36 + i), s5[i]);
}

static void check_madt(unsigned int nr_vcpus)
{
    build(GPA, nr_vcpus);
    const uint8_t *madt = find_table(GPA, "APIC");
    check_table(madt, "APIC", 3);
    if (!madt)
        return;
    CHECK_EQ(rd32(madt, 4), 44 + 8 * nr_vcpus);
    CHECK_EQ(rd32(madt, 36), 0xFEE00000u); /* the local APIC address */
    CHECK_EQ(rd32(madt, 40), 0);           /* not PCAT_COMPAT */
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        const uint8_t *e = madt + 44 + 8 * i;
        CHECK_EQ(e[0], 0);       /* Processor Local APIC */
        CHECK_EQ(e[1], 8);       /* its length */
        CHECK_EQ(e[2], i);       /* ACPI processor UID */
        CHECK_EQ(e[3], 2 * i);   /* APIC ID: 2 x vCPU id */
        CHECK_EQ(rd32(e, 4), 1); /* enabled */
    }
}

static void test_madt_each_vcpu_count(void)
{
    for (unsigned int n = 1; n <= MAX_VCPUS; n++)
        check_madt(n);
    check_madt(128); /* the most the byte-wide APIC ID can name */
}

/* Every table inside the range, 16-byte aligned, no two overlapping, and
 * every byte after the last one zero. */
static void test_layout(void)
{
    build(GPA, MAX_VCPUS);
    const uint8_t *fadt = find_table(GPA, "FACP");
    const uint8_t *t[] = { buf, table_at(GPA, rd64(buf, 24)), fadt, find_table(GPA, "APIC"),
                           fadt ? table_at(GPA, rd64(fadt, 140)) : NULL };
    size_t end = 0;

    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        CHECK(t[i] != NULL);
        if (!t[i])
            return;
        size_t off = (size_t)(t[i] - buf), len = i == 0 ? 36 : rd32(t[i], 4);
        CHECK_EQ(off % 16, 0);
        CHECK(off + len <= ARCH_GUEST_ACPI_SIZE);
        for (size_t j = 0; j < i; j++) {
            size_t o = (size_t)(t[j] - buf), l = j == 0 ? 36 : rd32(t[j], 4);
            CHECK(off + len <= o || o + l <= off);
        }
        end = end > off + len ? end : off + len;
    }
    for (size_t i = end; i < ARCH_GUEST_ACPI_SIZE; i++)
        CHECK_EQ(buf[i], 0);
    /* Bytes past `size` are not the builder's. */
    CHECK_EQ(buf[ARCH_GUEST_ACPI_SIZE], 0xA5);
}

/* Only the pointers (and so the checksums) depend on where the tables are. */
static void test_pointers_follow_gpa(void)
{
    static uint8_t first[ARCH_GUEST_ACPI_SIZE];
    const uint64_t other = 0xBFFFF000ULL;

    build(GPA, 4);
    memcpy(first, buf, sizeof(first));
    build(other, 4);
    CHECK_EQ(rd64(buf, 24) - other, rd64(first, 24) - GPA);
    const uint8_t *fadt = find_table(other, "FACP");
    CHECK(fadt != NULL);
    if (fadt)
        CHECK_EQ(rd64(fadt, 140) - other, rd64(first + (fadt - buf), 140) - GPA);
    CHECK(table_at(other, rd64(buf, 24)) != NULL);
    CHECK(find_table(other, "APIC") != NULL);
}

static void test_refusals(void)
{
    memset(buf, 0xA5, sizeof(buf));
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, GPA, 0), -XEN_EINVAL);
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, GPA, 129), -XEN_EINVAL);
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, GPA + 8, 1), -XEN_EINVAL);
    /* The last page below 4 GiB is fine; one that crosses it is not. */
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, 0xFFFFF000ULL, 1), 0);
    memset(buf, 0xA5, sizeof(buf));
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, 0xFFFFFFC0ULL, 1), -XEN_EINVAL);
    CHECK_EQ(arch_guest_acpi_build(buf, 100, GPA, 1), -XEN_ENOSPC);
    CHECK_EQ(arch_guest_acpi_build(buf, 0, GPA, 1), -XEN_ENOSPC);
    /* Refused: nothing written. */
    for (size_t i = 0; i < sizeof(buf); i++)
        CHECK_EQ(buf[i], 0xA5);
    /* The room the builder keeps holds the tables of MAX_VCPUS, and 128. */
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, GPA, MAX_VCPUS), 0);
    CHECK_EQ(arch_guest_acpi_build(buf, ARCH_GUEST_ACPI_SIZE, GPA, 128), 0);
}

int main(void)
{
    static const struct unit_test tests[] = {
        UNIT_TEST(test_rsdp),          UNIT_TEST(test_xsdt),
        UNIT_TEST(test_fadt_and_dsdt), UNIT_TEST(test_madt_each_vcpu_count),
        UNIT_TEST(test_layout),        UNIT_TEST(test_pointers_follow_gpa),
        UNIT_TEST(test_refusals),
    };
    return unit_run("guest_acpi", tests, ARRAY_SIZE(tests));
}
