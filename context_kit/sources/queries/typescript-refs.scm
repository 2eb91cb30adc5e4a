; inherits: ecma, typed
; Names a TypeScript slice refers to: calls, constructed classes and member reads
; (ecma.scm), base classes and every type it names (typed.scm); what module runs and
; classes define comes from the same two files. Written for context_kit.
