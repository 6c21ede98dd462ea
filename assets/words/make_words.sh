#!/bin/sh
# Makes zh-words.txt, the Chinese word list phrase matching cuts replies with, from the
# dictionary jieba-rs 0.11 ships (MIT licence, see LICENSE.jieba.txt): the words it has seen
# more than 5 times, with their counts. Rare entries ("先戴", "几月份") cut common phrases
# apart ("先戴上" loses 戴上), and dropping them loads the list in a third of the time.
# Usage: assets/words/make_words.sh PATH/TO/jieba-rs-0.11.0/src/data/dict.txt
set -eu
awk '$2 > 5 { print $1 " " $2 }' "$1" > "$(dirname "$0")/zh-words.txt"
