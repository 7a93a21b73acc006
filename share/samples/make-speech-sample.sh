#!/bin/sh
# Regenerates speech-en-16k.wav: 10.0 s of synthetic English speech, 16 kHz mono
# 16-bit PCM, used by the codec unit tests and for listening checks.
# Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox).
# The exact bytes depend on the espeak-ng and sox versions (made with espeak-ng
# 1.51 and sox 14.4.2 on Debian 12); tests derive their bounds from the audio,
# not from a checksum, so a regenerated file works the same.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
raw=$(mktemp --suffix=.wav)
trap 'rm -f "$raw"' EXIT

espeak-ng -v en-us -s 180 -w "$raw" \
  "This is Parley, a peer to peer telephone. This voice was made by a computer to test speech codecs. Seven brown owls quietly judged the amazing fox. Call me back at nine."

# -D: no dither, so the output is reproducible. gain -n -3: peak at -3 dBFS, so
# codec round trips do not clip. pad+trim: exactly 10.0 s whatever espeak's tail.
sox -V1 -D "$raw" -r 16000 -c 1 -b 16 "$here/speech-en-16k.wav" gain -n -3 pad 0 1 trim 0 10
