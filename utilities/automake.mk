dist_noinst_SCRIPTS += utilities/bootstrap.sh
dist_noinst_SCRIPTS += utilities/demo.sh utilities/run-tests.sh
dist_noinst_SCRIPTS += utilities/bench-forward.sh
