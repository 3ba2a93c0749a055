# Turns every file matching GLOB into one C source OUT defining a table
#   const struct { const char *name; const char *text; } plt_templates[];
#   const int plt_ntemplates;
# (names are file names without the folder), so the binary carries them.
file(GLOB files ${GLOB})
list(SORT files)
set(body "")
set(table "")
set(i 0)
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const char t${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${name}\", t${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT} "/* Generated at build time from plots/ (every .gp template). */\n"
  "#include <stddef.h>\n"
  "struct plt_template { const char *name; const char *text; };\n"
  "extern const struct plt_template plt_templates[];\nextern const int plt_ntemplates;\n"
  "${body}"
  "const struct plt_template plt_templates[] = {\n${table}    {NULL, NULL}};\n"
  "const int plt_ntemplates = ${i};\n")
