; What the C and C++ queries share (each includes this file with an "; inherits: c_family"
; line): C++'s grammar extends C's and names these nodes alike. Written for context_kit.

; @ref: called functions, accessed fields and the types used.
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(type_identifier) @ref

; @def (only module runs take them): macros.
(preproc_def name: (identifier) @def)
(preproc_function_def name: (identifier) @def)

; @member (only class spans take them, qualified by the class): struct, union and class
; fields (plain, pointer and array) and enum constants.
(field_declaration declarator: (field_identifier) @member)
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @member))
(field_declaration declarator: (array_declarator declarator: (field_identifier) @member))
(enumerator name: (identifier) @member)
