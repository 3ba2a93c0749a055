# Turns the text file IN into a C source OUT defining
#   const char scn_default_text[];  const unsigned long scn_default_len;
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from scenarios/default.yaml at build time. */\n"
  "extern const char scn_default_text[];\nextern const unsigned long scn_default_len;\n"
  "const char scn_default_text[] = {\n${body}0x00};\n"
  "const unsigned long scn_default_len = ${len}UL;\n")
