"""Course catalog: import and normalisation of edX and Udemy exports."""
