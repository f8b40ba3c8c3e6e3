#!/usr/bin/env python3
"""Builds src/domain/common_passwords.txt, the list of common passwords that the
password rule refuses (docs/DESIGN.md §1; NIST SP 800-63B §5.1.1.2: "passwords
obtained from previous breach corpuses, dictionary words, repetitive or sequential
characters").

Sources:
- the `passwords` frequency list of zxcvbn (MIT licence, Dropbox; Python port
  zxcvbn 4.5.0 by Daniel Wolf, MIT), the 30,000 most common passwords of leaked
  corpuses;
- passwords common in mainland China that it lacks, built below from the habits
  the leaked Chinese corpuses (CSDN, 2011) show: 5201314 / 1314520 ("I love you
  for life"), woaini ("I love you"), qq + digits, surnames in pinyin + digits,
  keyboard walks, repeated digits.

Only entries the rest of the rule would accept are kept (8-16 printable ASCII
characters, at least two of number / letter / symbol): anything else is already
refused. Entries are lower case; the check lowers what was typed.

Run: python3 scripts/common_passwords.py [path/to/zxcvbn-4.5.0-py2.py3-none-any.whl]
(without a path it runs `pip download zxcvbn==4.5.0` into a temporary folder).
"""
import itertools
import os
import string
import subprocess
import sys
import tempfile
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "domain", "common_passwords.txt")


def accepted_by_rule(s):
    if not 8 <= len(s) <= 16 or not all(33 <= ord(c) < 127 for c in s):
        return False
    kinds = [any(c.isdigit() for c in s), any(c.isalpha() for c in s),
             any(c in string.punctuation for c in s)]
    return sum(kinds) >= 2


def zxcvbn_passwords(wheel):
    with zipfile.ZipFile(wheel) as z:
        source = z.read("zxcvbn/frequency_lists.py").decode()
    scope = {}
    exec(compile(source, "frequency_lists.py", "exec"), scope)
    return scope["FREQUENCY_LISTS"]["passwords"]


def chinese_habits():
    digits = ["5201314", "1314520", "520520", "1314", "520", "521", "1314521",
              "123", "1234", "12345", "123456", "12345678", "123456789", "123123",
              "112233", "111111", "000000", "666666", "888888", "168168", "147258",
              "147258369", "159357", "159753", "789456", "123321", "654321", "987654321",
              "741852963", "1111", "6666", "8888", "110", "119", "0000", "2008", "2012"]
    words = ["a", "aa", "aaa", "abc", "qq", "wo", "ai", "woaini", "woaiwojia", "aini",
             "iloveyou", "love", "baby", "qwe", "asd", "zxc", "qwer", "asdf", "zxcv",
             "qaz", "wsx", "admin", "pass", "wang", "li", "zhang", "liu", "chen", "yang",
             "zhao", "huang", "zhou", "wu", "xu", "sun", "hu", "zhu", "gao", "lin", "he",
             "guo", "ma", "luo", "liang", "song", "zheng", "xie", "han", "tang", "feng",
             "yu", "dong", "xiao", "cheng", "cao", "yuan", "deng", "fu", "shen", "zeng",
             "peng", "lu", "jiang", "cai", "jia", "ding", "wei", "xue", "ye", "yan",
             "pan", "du", "dai", "xia", "zhong", "tian", "ren", "fan", "fang", "shi",
             "yao", "tan", "liao", "zou", "xiong", "jin", "hao", "kong", "bai", "cui",
             "kang", "mao", "qiu", "qin", "gu", "hou", "shao", "meng", "long", "wan",
             "duan", "qian", "yin", "yi", "chang", "qiao", "lei", "long", "ming", "wei",
             "jun", "hui", "hong", "ping", "hua", "jie", "tao", "bin", "qiang", "lei"]
    out = set()
    for w, d in itertools.product(words, digits):
        out.update({w + d, d + w})
    walks = ["1qaz2wsx", "1qaz2wsx3edc", "1qaz@wsx", "1qaz!qaz", "!qaz2wsx", "!qaz@wsx",
             "!qaz1qaz", "zaq12wsx", "zaq1xsw2", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y",
             "q1w2e3r4", "qazwsx123", "qazwsxedc123", "123qwe!@#", "qwe!@#123",
             "!@#qwe123", "1qaz2wsx!", "asd!@#123", "123!@#qwe", "p@ssw0rd", "passw0rd",
             "woaini@1314", "woaini@520", "a123456!", "a123456.", "abc123!@#",
             "abc@123456", "admin@123", "admin123!", "qq123456.", "a1b2c3d4e5",
             "1a2b3c4d", "a1a1a1a1", "aaaa1111", "1111aaaa", "aa112233", "qwer!@#$",
             "1234!@#$", "!@#$1234", "1234qwer!", "qwer1234!"]
    out.update(walks)
    for d in "0123456789":
        for n in range(6, 12):
            for w in ["a", "q", "z", "aa", "qq", "."]:
                out.update({d * n + w, w + d * n})
    return out


def main():
    if len(sys.argv) > 1:
        wheel = sys.argv[1]
    else:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "-d", tmp, "zxcvbn==4.5.0"], check=True)
        wheel = os.path.join(tmp, next(f for f in os.listdir(tmp) if f.endswith(".whl")))
    entries = {p.lower() for p in zxcvbn_passwords(wheel)} | chinese_habits()
    kept = sorted(p for p in entries if accepted_by_rule(p))
    with open(OUT, "w") as f:
        f.write("\n".join(kept) + "\n")
    print(f"{len(kept)} passwords written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
