; The built-in FLASK policy: build/policy.bin, compiled at build time from
; xsm/policy/default.te by tools/policyc, included here as bytes.
global flask_default_policy
global flask_default_policy_end

section .rodata
align 8
flask_default_policy:
    incbin "policy.bin"
flask_default_policy_end:
