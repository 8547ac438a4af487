/* The legacy 8259A PICs: Mica only switches them off. */
#ifndef MICA_X86_I8259_H
#define MICA_X86_I8259_H

void i8259_disable(void);

#endif
