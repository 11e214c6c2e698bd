# cmake -DINPUT=<file> -DOUTPUT=<file> -P embed_object.cmake
# Writes the bytes of INPUT as a comma-separated list of C integer
# literals, to be #included inside an array initializer.
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
       content "${content}")
file(WRITE "${OUTPUT}.tmp" "${content}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
