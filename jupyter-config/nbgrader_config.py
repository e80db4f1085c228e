"""nbgrader for this environment, wherever a command runs (each install route copies it to etc/jupyter/).

A student's folder holds just their notebook: nbgrader finds this file instead of warning that
it found none. The course folder's own nbgrader_config.py (the instructor's) is read after it.
"""

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = "dqn-lunar-lander"
# Validate's whole output is its verdict, not which file it read.
c.ValidateApp.log_level = "WARN"
# Once the last cell has run, Validate has every output it reads: the kernel is stopped, not asked to exit.
# Asked over its control channel, ipykernel answers while it closes its output socket, and that race
# printed "ZMQError: Socket operation on non-socket" after the verdict now and then.
c.Execute.shutdown_kernel = "immediate"
