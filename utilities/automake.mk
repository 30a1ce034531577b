dist_noinst_SCRIPTS += utilities/bootstrap.sh
