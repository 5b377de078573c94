#!/bin/sh
# Refresh the message catalog after changing messages: extract every tr()/N_() string into the template,
# merge it into the Marathi catalog (new entries arrive untranslated, changed ones fuzzy), and compile it.
# Translate what is new or fuzzy in pmcpost/locale/mr/LC_MESSAGES/pmcpost.po, then run this again.
set -e
cd "$(dirname "$0")/.."
pybabel extract -k tr -k N_ --no-location --omit-header --sort-output -o pmcpost/locale/pmcpost.pot pmcpost
pybabel update -i pmcpost/locale/pmcpost.pot -d pmcpost/locale -D pmcpost -l mr --width 120
pybabel compile -d pmcpost/locale -D pmcpost --statistics
