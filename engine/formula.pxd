# Declarations for the compiled twin only (engine/native.py): formula.py stays the one
# source of what Scope does. Scope is an extension type in the twin, so that the
# per-firing scopes derived from it (workbook.EntityScope, actions.Firing) can be too.
cdef class Scope:
    pass
