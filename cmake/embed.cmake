# Turns the text file IN into a C source OUT defining
#   const char NAME_text[];  const unsigned long NAME_len;
# (NAME defaults to scn_default: scenarios/default.yaml). The text is kept
# as hex bytes, NUL-terminated, so any byte survives and no tool (xxd) is
# needed.
if(NOT NAME)
  set(NAME scn_default)
endif()
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
get_filename_component(source ${IN} NAME)
file(WRITE ${OUT} "/* Generated from ${source} at build time (cmake/embed.cmake). */\n"
  "extern const char ${NAME}_text[];\nextern const unsigned long ${NAME}_len;\n"
  "const char ${NAME}_text[] = {\n${body}0x00};\n"
  "const unsigned long ${NAME}_len = ${len}UL;\n")
