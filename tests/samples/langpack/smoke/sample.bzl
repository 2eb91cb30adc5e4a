# A macro.
def my_macro(name, srcs):
    native.filegroup(name = name, srcs = srcs)
